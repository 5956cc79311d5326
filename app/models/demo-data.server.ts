/**
 * The demo catalog: real geographical indications as public reports describe them
 * (/work/shared/GI-FACTS.md), and clearly marked demo cooperatives, people and products.
 * Rules kept here: a GI's kind, dates, China–EU list and announcement number are stored only
 * where the facts give them (never invented); every producer name carries （演示）; phone
 * numbers start with 0 after the area code, so none can ring a real line.
 */
import type { GiKind, Role } from '~/db/schema';
import { withCheckCharacter } from '~/utils/credit-code';
import type { CategorySlug } from './categories.server';

export interface DemoGi {
  slug: string;
  name: string;
  nameEn: string;
  kind: GiKind | null;
  otherKinds: GiKind[];
  registrationNumber: string | null;
  registeredOn: string | null;
  chinaEuList: 1 | 2 | null;
  categorySlug: CategorySlug;
  /** GB/T 2260 codes of the protected area. */
  protectedArea: string[];
  story: string;
  sourceNote: string;
}

const SOURCES = '来源：公开报道（湖北日报、人民网、中国绿色时报、央广网及地方知识产权局公布的登记信息，2012–2023 年），未经本平台独立核实。';
const WEAK = '（此条来源较弱，待核实）';
const EU_BATCH_UNSTATED = '列入中欧地理标志协定清单（资料未注明批次）';

const note = (facts: string, weak = false) => `${facts}${weak ? WEAK : ''}。${SOURCES}`;

export const DEMO_GIS: DemoGi[] = [
  {
    slug: 'zigui-qicheng',
    name: '秭归脐橙',
    nameEn: 'Zigui Navel Orange',
    kind: 'protected_product',
    otherKinds: ['collective_mark'],
    registrationNumber: null,
    registeredOn: '2006-06-20',
    chinaEuList: null,
    categorySlug: 'fruit',
    protectedArea: ['420527'],
    story: '秭归县地处长江西陵峡畔，是屈原故里，也是秭归脐橙的产地。2006 年，秭归脐橙获地理标志产品保护。',
    sourceNote: note('地理标志保护产品（原国家质检总局，2006-06-20）；另为集体商标'),
  },
  {
    slug: 'qianjiang-longxia',
    name: '潜江龙虾',
    nameEn: 'Qianjiang Crayfish',
    kind: 'certification_mark',
    otherKinds: ['agricultural_product'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 1,
    categorySlug: 'aquatic',
    protectedArea: ['429005'],
    story: '潜江是湖北省直管的县级市，地处江汉平原，稻田里养小龙虾的“虾稻共作”在这里兴起。潜江龙虾列入中欧地理标志协定首批清单。',
    sourceNote: note('地理标志证明商标（2012 年）；农产品地理标志（2013 年）；中欧地理标志协定第一批'),
  },
  {
    slug: 'enshi-yulu',
    name: '恩施玉露',
    nameEn: 'Enshi Yulu Tea',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: '原国家质检总局公告2007年第48号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'tea',
    protectedArea: ['422801'],
    story: '恩施玉露是用蒸汽杀青的蒸青绿茶，产自湖北恩施市。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2007 年第 48 号）'),
  },
  {
    slug: 'honghu-lianou',
    name: '洪湖莲藕',
    nameEn: 'Honghu Lotus Root',
    kind: 'agricultural_product',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: '2015-02-10',
    chinaEuList: null,
    categorySlug: 'vegetable',
    protectedArea: ['421083'],
    story: '洪湖市因洪湖得名，湖区盛产莲藕。洪湖莲藕 2015 年登记为农产品地理标志。',
    sourceNote: note('农产品地理标志（2015-02-10）'),
  },
  {
    slug: 'suizhou-xianggu',
    name: '随州香菇',
    nameEn: 'Suizhou Shiitake',
    kind: 'agricultural_product',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'fungi',
    protectedArea: ['421300'],
    story: '随州是湖北的香菇产区，随州香菇 2018 年登记为农产品地理标志。',
    sourceNote: note('农产品地理标志（2018 年）'),
  },
  {
    slug: 'fangxian-heimuer',
    name: '房县黑木耳',
    nameEn: 'Fangxian Black Fungus',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'fungi',
    protectedArea: ['420325'],
    story: '房县地处鄂西北山区，黑木耳是当地的传统山货。',
    sourceNote: note(`地理标志保护产品（2009 年${WEAK}）；${EU_BATCH_UNSTATED}`),
  },
  {
    slug: 'fangxian-xianggu',
    name: '房县香菇',
    nameEn: 'Fangxian Shiitake',
    kind: null,
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 1,
    categorySlug: 'fungi',
    protectedArea: ['420325'],
    story: '房县香菇（花菇）列入中欧地理标志协定首批清单。',
    sourceNote: note('房县香菇／花菇：中欧地理标志协定第一批；地理标志类型未能确认'),
  },
  {
    slug: 'macheng-fubaiju',
    name: '麻城福白菊',
    nameEn: 'Macheng Fubai Chrysanthemum',
    kind: 'protected_product',
    otherKinds: ['agricultural_product'],
    registrationNumber: '原国家质检总局公告2014年第39号',
    registeredOn: null,
    chinaEuList: 1,
    categorySlug: 'herbal',
    protectedArea: ['421181'],
    story: '麻城福白菊是产自黄冈麻城的白菊花，多用来泡茶。它列入中欧地理标志协定首批清单。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2014 年第 39 号）；另为地理标志商标（类型未注明）和农产品地理标志；中欧地理标志协定第一批'),
  },
  {
    slug: 'yidu-yihongcha',
    name: '宜都宜红茶',
    nameEn: 'Yidu Yihong Black Tea',
    kind: null,
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 1,
    categorySlug: 'tea',
    protectedArea: ['420581'],
    story: '宜红是宜昌一带出产的工夫红茶，宜都宜红茶列入中欧地理标志协定首批清单。',
    sourceNote: note('中欧地理标志协定第一批；地理标志类型未能确认'),
  },
  {
    slug: 'yingshan-yunwucha',
    name: '英山云雾茶',
    nameEn: 'Yingshan Yunwu Tea',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: '原国家质检总局公告2009年第128号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'tea',
    protectedArea: ['421124'],
    story: '英山县位于大别山南麓，英山云雾茶 2009 年获地理标志产品保护，英山也是国家地理标志产品保护示范区。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2009 年第 128 号）；国家地理标志产品保护示范区'),
  },
  {
    slug: 'chibi-qingzhuancha',
    name: '赤壁青砖茶',
    nameEn: 'Chibi Qingzhuan Brick Tea',
    kind: null,
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 2,
    categorySlug: 'tea',
    protectedArea: ['421281'],
    story: '青砖茶是压制成砖的黑茶，咸宁赤壁的羊楼洞是它的传统产地。',
    sourceNote: note('中欧地理标志协定第二批；地理标志类型未能确认'),
  },
  {
    slug: 'lichuan-gongfu-hongcha',
    name: '利川工夫红茶',
    nameEn: 'Lichuan Gongfu Black Tea',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: '原国家质检总局公告2017年第98号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'tea',
    protectedArea: ['422802'],
    story: '利川工夫红茶人称“利川红”，产自恩施州利川市，2017 年获地理标志产品保护。',
    sourceNote: note('利川工夫红茶（利川红）：地理标志保护产品（原国家质检总局公告 2017 年第 98 号）'),
  },
  {
    slug: 'enshi-malingshu',
    name: '恩施马铃薯',
    nameEn: 'Enshi Potato',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: '原国家质检总局公告2017年第98号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'vegetable',
    protectedArea: ['422800'],
    story: '恩施州多山地，马铃薯是当地常见的山区作物。恩施马铃薯 2017 年获地理标志产品保护。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2017 年第 98 号）'),
  },
  {
    slug: 'qiai',
    name: '蕲艾',
    nameEn: 'Qichun Mugwort',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'herbal',
    protectedArea: ['421126'],
    story: '蕲艾产自黄冈蕲春县，蕲春是明代医药学家李时珍的故乡。',
    sourceNote: note('地理标志保护产品（资料未注明日期和公告号）'),
  },
  {
    slug: 'jingshan-qiaomi',
    name: '京山桥米',
    nameEn: 'Jingshan Qiao Rice',
    kind: 'protected_product',
    otherKinds: ['certification_mark'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'rice-grain',
    protectedArea: ['420882'],
    story: '京山桥米产自荆门京山市，2004 年获原产地域产品保护，2008 年注册为地理标志证明商标。',
    sourceNote: note('原产地域产品保护（2004 年，地理标志产品保护制度的前身）；地理标志证明商标（2008 年）'),
  },
  {
    slug: 'yichang-miju',
    name: '宜昌蜜桔',
    nameEn: 'Yichang Mandarin',
    kind: null,
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 2,
    categorySlug: 'fruit',
    protectedArea: ['420500'],
    story: '宜昌是湖北的柑橘产区，宜昌蜜桔列入中欧地理标志协定第二批清单。',
    sourceNote: note('地理标志商标（证明商标或集体商标未注明）；中欧地理标志协定第二批'),
  },
  {
    slug: 'yaowan-miju',
    name: '窑湾蜜桔',
    nameEn: 'Yaowan Mandarin',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: '原国家质检总局公告2007年第166号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'fruit',
    protectedArea: ['420502'],
    story: '窑湾蜜桔产自宜昌市西陵区，2007 年获地理标志产品保护。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2007 年第 166 号）'),
  },
  {
    slug: 'caidian-lianou',
    name: '蔡甸莲藕',
    nameEn: 'Caidian Lotus Root',
    kind: 'protected_product',
    otherKinds: ['certification_mark'],
    registrationNumber: '原国家质检总局公告2007年第43号',
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'vegetable',
    protectedArea: ['420114'],
    story: '蔡甸区在武汉西部，湖塘众多。蔡甸莲藕 2007 年获地理标志产品保护，也是地理标志证明商标。',
    sourceNote: note('地理标志保护产品（原国家质检总局公告 2007 年第 43 号）；另为地理标志证明商标'),
  },
  {
    slug: 'hongshan-caitai',
    name: '洪山菜薹',
    nameEn: 'Hongshan Purple Cai-tai',
    kind: 'protected_product',
    otherKinds: ['certification_mark'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'vegetable',
    protectedArea: ['420111'],
    story: '洪山菜薹是武汉洪山一带的紫菜薹，冬春时节上市，是武汉人熟悉的时令菜。',
    sourceNote: note('地理标志保护产品；另为地理标志证明商标（资料未注明日期和公告号）'),
  },
  {
    slug: 'xiaogan-mijiu',
    name: '孝感米酒',
    nameEn: 'Xiaogan Rice Wine',
    kind: null,
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: 2,
    categorySlug: 'beverage',
    protectedArea: ['420900'],
    story: '孝感米酒以糯米发酵而成，列入中欧地理标志协定第二批清单。',
    sourceNote: note('中欧地理标志协定第二批；地理标志类型未能确认'),
  },
  {
    slug: 'ezhou-wuchangyu',
    name: '鄂州武昌鱼',
    nameEn: 'Ezhou Wuchang Bream',
    kind: 'certification_mark',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'aquatic',
    protectedArea: ['420700'],
    story: '武昌鱼即团头鲂，得名于鄂州的古称“武昌”。',
    sourceNote: note('地理标志证明商标', true),
  },
  {
    slug: 'wuchang-dami',
    name: '五常大米',
    nameEn: 'Wuchang Rice',
    kind: 'protected_product',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'rice-grain',
    protectedArea: ['230184'],
    story: '五常市在黑龙江省南部，属哈尔滨市管辖。五常大米 2003 年获原产地域产品保护。',
    sourceNote: note(`原产地域产品保护（2003 年，地理标志产品保护制度的前身）；${EU_BATCH_UNSTATED}`),
  },
  {
    slug: 'yangchenghu-dazhaxie',
    name: '阳澄湖大闸蟹',
    nameEn: 'Yangcheng Lake Hairy Crab',
    kind: 'protected_product',
    otherKinds: ['agricultural_product'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'aquatic',
    protectedArea: ['320500'],
    story: '阳澄湖大闸蟹即中华绒螯蟹，产自苏州阳澄湖。2005 年获地理标志产品保护，2020 年又登记为农产品地理标志。',
    sourceNote: note('地理标志保护产品（2005 年）；农产品地理标志（2020-04-30）'),
  },
  {
    slug: 'gannan-qicheng',
    name: '赣南脐橙',
    nameEn: 'Gannan Navel Orange',
    kind: 'certification_mark',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'fruit',
    protectedArea: ['360700'],
    story: '赣南脐橙产自江西赣州，是地理标志证明商标，并列入中欧地理标志协定清单。',
    sourceNote: note(`地理标志证明商标；${EU_BATCH_UNSTATED}`),
  },
  {
    slug: 'kuerle-xiangli',
    name: '库尔勒香梨',
    nameEn: 'Korla Fragrant Pear',
    kind: 'certification_mark',
    otherKinds: ['protected_product'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'fruit',
    protectedArea: ['652801'],
    story: '库尔勒香梨产自新疆巴音郭楞蒙古自治州库尔勒市，1996 年注册为地理标志证明商标。',
    sourceNote: note(`地理标志证明商标（1996 年）；原产地域产品保护（2004 年${WEAK}）`),
  },
  {
    slug: 'anxi-tieguanyin',
    name: '安溪铁观音',
    nameEn: 'Anxi Tieguanyin',
    kind: 'protected_product',
    otherKinds: ['certification_mark'],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'tea',
    protectedArea: ['350524'],
    story: '铁观音是乌龙茶，产自福建泉州安溪县。安溪铁观音 2000 年注册为证明商标，2004 年获地理标志产品保护。',
    sourceNote: note('地理标志保护产品（2004 年）；证明商标（2000 年）'),
  },
  {
    slug: 'zhongning-gouqi',
    name: '中宁枸杞',
    nameEn: 'Zhongning Goji',
    kind: 'certification_mark',
    otherKinds: [],
    registrationNumber: null,
    registeredOn: null,
    chinaEuList: null,
    categorySlug: 'herbal',
    protectedArea: ['640521'],
    story: '中宁县属宁夏中卫市，黄河穿境而过。中宁枸杞是地理标志证明商标。',
    sourceNote: note('地理标志证明商标（资料未注明日期）'),
  },
];

// ---------------------------------------------------------------- people

export type DemoAccountKind = 'admin' | 'coordinator' | 'association' | 'cooperative' | 'customer';

/** One shared password per kind of account: easy to hand out, each hashed once. */
export const DEMO_PASSWORDS: Record<DemoAccountKind, string> = {
  admin: 'Demo-Admin-2020',
  coordinator: 'Demo-Coordinator-2020',
  association: 'Demo-Association-2020',
  cooperative: 'Demo-Cooperative-2020',
  customer: 'Demo-Customer-2020',
};

export interface DemoPerson {
  email: string;
  mobile: string | null;
  displayName: string;
  kind: DemoAccountKind;
  /** Site roles beyond 'customer', which every account holds. */
  roles: Role[];
  /** Coordinator coverage: region code and whether this coordinator leads it. */
  coordinatorRegions?: { regionCode: string; isLead: boolean }[];
  associationSlug?: string;
}

const DOMAIN = 'demo.dibiao.example';

export const DEMO_STAFF: DemoPerson[] = [
  { email: `admin@${DOMAIN}`, mobile: null, displayName: '平台管理员（演示）', kind: 'admin', roles: ['admin'] },
  {
    email: `coordinator-hubei@${DOMAIN}`,
    mobile: null,
    displayName: '湖北协调员（演示）',
    kind: 'coordinator',
    roles: ['coordinator'],
    coordinatorRegions: [{ regionCode: '420000', isLead: true }],
  },
  {
    email: `coordinator-jiangxi@${DOMAIN}`,
    mobile: null,
    displayName: '江西协调员（演示）',
    kind: 'coordinator',
    roles: ['coordinator'],
    coordinatorRegions: [{ regionCode: '360000', isLead: true }],
  },
  {
    email: `association-hubei@${DOMAIN}`,
    mobile: null,
    displayName: '湖北省地理标志产品协会 工作人员（演示）',
    kind: 'association',
    roles: [],
    associationSlug: 'hubei-gi-association',
  },
  {
    email: `association-gannan@${DOMAIN}`,
    mobile: null,
    displayName: '赣州市赣南脐橙协会 工作人员（演示）',
    kind: 'association',
    roles: [],
    associationSlug: 'gannan-qicheng-association',
  },
  { email: `customer@${DOMAIN}`, mobile: '13800000000', displayName: '演示顾客', kind: 'customer', roles: [] },
];

// ---------------------------------------------------------------- associations

export interface DemoAssociation {
  slug: string;
  name: string;
  regionCode: string;
  description: string;
  regionCodes: string[];
  /** GIs the association looks after. */
  giSlugs: string[];
}

const HUBEI_GI_SLUGS = DEMO_GIS.filter((gi) => gi.protectedArea.every((code) => code.startsWith('42'))).map((gi) => gi.slug);

export const DEMO_ASSOCIATIONS: DemoAssociation[] = [
  {
    slug: 'hubei-gi-association',
    name: '湖北省地理标志产品协会（演示）',
    regionCode: '420000',
    description: '演示用的行业协会：审核湖北地理标志产品的用标申请，协助合作社对接物流与销售。',
    regionCodes: ['420000'],
    giSlugs: HUBEI_GI_SLUGS,
  },
  {
    slug: 'gannan-qicheng-association',
    name: '赣州市赣南脐橙协会（演示）',
    regionCode: '360700',
    description: '演示用的行业协会：管理赣南脐橙地理标志证明商标的使用许可。',
    regionCodes: ['360700'],
    giSlugs: ['gannan-qicheng'],
  },
];

// ---------------------------------------------------------------- cooperatives

export interface DemoCooperative {
  slug: string;
  legalName: string;
  /** County-level GB/T 2260 code. */
  regionCode: string;
  /** Street part of the address; the seed prefixes the region names. */
  street: string;
  owner: { name: string; email: string };
  areaCode: string;
  description: string;
  businessScope: string;
  verificationStatus: 'verified' | 'pending';
  shippingFlatFeeFen: number;
  freeShippingThresholdFen: number | null;
  /** GIs the cooperative is an approved user of. */
  approvedGiSlugs: string[];
  /** GIs it has applied for, awaiting a decision. */
  pendingGiSlugs: string[];
}

const scope = (goods: string) =>
  `组织收购、销售成员生产的${goods}；组织采购、供应成员所需的农业生产资料；开展与${goods}生产经营有关的技术培训、技术交流和信息咨询服务。`;

function cooperative(
  slug: string,
  legalName: string,
  regionCode: string,
  goods: string,
  owner: string,
  areaCode: string,
  approvedGiSlugs: string[],
  extra: Partial<DemoCooperative> = {},
): DemoCooperative {
  return {
    slug,
    legalName,
    regionCode,
    street: '示范路 1 号（演示地址）',
    owner: { name: owner, email: `coop-${slug}@${DOMAIN}` },
    areaCode,
    description: `演示合作社：成员种养${goods}，疫情期间通过本专区直接发货给顾客。`,
    businessScope: scope(goods),
    verificationStatus: 'verified',
    shippingFlatFeeFen: 1000,
    freeShippingThresholdFen: 9900,
    approvedGiSlugs,
    pendingGiSlugs: [],
    ...extra,
  };
}

export const DEMO_COOPERATIVES: DemoCooperative[] = [
  cooperative('zigui-chengxiang', '秭归县橙乡脐橙专业合作社（演示）', '420527', '脐橙', '向建华', '0717', ['zigui-qicheng'], {
    shippingFlatFeeFen: 0,
    freeShippingThresholdFen: null,
  }),
  cooperative('qianjiang-xiadao', '潜江市虾稻共作专业合作社（演示）', '429005', '小龙虾和稻谷', '刘德明', '0728', ['qianjiang-longxia'], {
    shippingFlatFeeFen: 2000,
    freeShippingThresholdFen: 19900,
  }),
  cooperative('enshi-yulu', '恩施市玉露茶叶专业合作社（演示）', '422801', '茶叶和马铃薯', '谭秀英', '0718', ['enshi-yulu', 'enshi-malingshu']),
  cooperative('honghu-hexiang', '洪湖市荷乡莲藕专业合作社（演示）', '421083', '莲藕', '陈国强', '0716', ['honghu-lianou'], {
    shippingFlatFeeFen: 1200,
    freeShippingThresholdFen: 12900,
  }),
  cooperative('suizhou-xianggu', '随州市曾都区香菇专业合作社（演示）', '421303', '香菇', '李春华', '0722', ['suizhou-xianggu']),
  cooperative('fangxian-shanli', '房县山里菌业专业合作社（演示）', '420325', '黑木耳和香菇', '王德胜', '0719', ['fangxian-heimuer', 'fangxian-xianggu']),
  cooperative('macheng-fubaiju', '麻城市福白菊种植专业合作社（演示）', '421181', '菊花', '周桂兰', '0713', ['macheng-fubaiju']),
  cooperative('yidu-yihong', '宜都市宜红茶叶专业合作社（演示）', '420581', '茶叶', '张志强', '0717', ['yidu-yihongcha']),
  cooperative('yingshan-yunwu', '英山县云雾茶专业合作社（演示）', '421124', '茶叶', '胡立新', '0713', ['yingshan-yunwucha']),
  cooperative('chibi-zhuancha', '赤壁市青砖茶专业合作社（演示）', '421281', '茶叶', '雷文军', '0715', ['chibi-qingzhuancha']),
  cooperative('lichuan-hongcha', '利川市红茶专业合作社（演示）', '422802', '茶叶', '牟红梅', '0718', ['lichuan-gongfu-hongcha']),
  cooperative('qichun-qiai', '蕲春县蕲艾种植专业合作社（演示）', '421126', '艾草', '田小兵', '0713', ['qiai']),
  cooperative('jingshan-qiaomi', '京山市桥米专业合作社（演示）', '420882', '稻谷和大米', '孙国华', '0724', ['jingshan-qiaomi']),
  cooperative('xiling-ganju', '宜昌市西陵区窑湾柑橘专业合作社（演示）', '420502', '柑橘', '杨建平', '0717', ['yaowan-miju', 'yichang-miju']),
  cooperative('caidian-lianou', '武汉市蔡甸区莲藕专业合作社（演示）', '420114', '莲藕', '汪明华', '027', ['caidian-lianou']),
  cooperative('hongshan-caitai', '武汉市洪山区菜薹专业合作社（演示）', '420111', '蔬菜', '郑玉珍', '027', ['hongshan-caitai'], {
    shippingFlatFeeFen: 1500,
    freeShippingThresholdFen: 12900,
  }),
  cooperative('xiaogan-mijiu', '孝感市孝南区米酒专业合作社（演示）', '420902', '糯米和米酒', '黄志刚', '0712', ['xiaogan-mijiu']),
  cooperative('ezhou-wuchangyu', '鄂州市鄂城区武昌鱼养殖专业合作社（演示）', '420704', '淡水鱼', '徐长江', '0711', ['ezhou-wuchangyu'], {
    shippingFlatFeeFen: 2000,
    freeShippingThresholdFen: 19900,
  }),
  cooperative('wuchang-daohua', '五常市稻花香水稻种植专业合作社（演示）', '230184', '稻谷和大米', '赵文斌', '0451', ['wuchang-dami']),
  cooperative('xiangcheng-hexie', '苏州市相城区阳澄湖大闸蟹养殖专业合作社（演示）', '320507', '河蟹', '沈建新', '0512', ['yangchenghu-dazhaxie'], {
    shippingFlatFeeFen: 2500,
    freeShippingThresholdFen: 29900,
  }),
  cooperative('xinfeng-qicheng', '信丰县脐橙专业合作社（演示）', '360722', '脐橙', '钟华林', '0797', ['gannan-qicheng'], {
    shippingFlatFeeFen: 800,
    freeShippingThresholdFen: 6900,
  }),
  cooperative('kuerle-xiangli', '库尔勒市香梨种植专业合作社（演示）', '652801', '香梨', '艾力·买买提', '0996', ['kuerle-xiangli'], {
    shippingFlatFeeFen: 1500,
  }),
  cooperative('anxi-tieguanyin', '安溪县铁观音茶叶专业合作社（演示）', '350524', '茶叶', '林清泉', '0595', ['anxi-tieguanyin']),
  cooperative('zhongning-gouqi', '中宁县枸杞种植专业合作社（演示）', '640521', '枸杞', '马海军', '0955', ['zhongning-gouqi']),
  // Newly registered, waiting for verification and for its first GI authorization.
  cooperative('honghu-ouxiang', '洪湖市藕香农产品专业合作社（演示）', '421083', '莲藕', '彭小红', '0716', [], {
    verificationStatus: 'pending',
    pendingGiSlugs: ['honghu-lianou'],
  }),
];

/** 93 = 市场监管 (9) + 农民专业合作社 (3); a serial no real register issues stands in for the organisation identifier. */
export function demoCreditCode(cooperativeIndex: number, regionCode: string): string {
  return withCheckCharacter(`93${regionCode}MA${String(cooperativeIndex + 1).padStart(7, '0')}`);
}

export function demoContactPhone(cooperativeIndex: number, areaCode: string): string {
  // Local numbers never start with 0: these cannot reach anyone.
  return `${areaCode}-0000${String(cooperativeIndex + 1).padStart(4, '0')}`;
}

// ---------------------------------------------------------------- products

export interface DemoVariant {
  spec: string;
  priceFen: number;
  stock: number;
  weightGrams: number;
}

export interface DemoStalledStock {
  quantity: number;
  unit: string;
  sinceDaysAgo: number;
  sellBeforeInDays: number;
  reason: string;
}

export interface DemoProduct {
  slug: string;
  cooperativeSlug: string;
  /** The GI the product claims; null for goods sold without a GI badge. */
  giSlug: string | null;
  categorySlug: CategorySlug;
  title: string;
  titleEn: string;
  description: string;
  shippingNote: string;
  variants: DemoVariant[];
  stalled?: DemoStalledStock;
  publishedDaysAgo: number;
}

const DISINFECTION = '发货前外包装消毒，每批可附检验报告和消毒记录。';
const COLD_CHAIN = '顺丰冷链发货，仅限可达地区；疫情管控地区可能延误，下单前请留意物流公告。';
const EXPRESS = '常温快递发货，付款后 48 小时内发出；疫情管控地区可能延误。';

export const DEMO_PRODUCTS: DemoProduct[] = [
  {
    slug: 'zigui-qicheng-5kg-gift-box',
    cooperativeSlug: 'zigui-chengxiang',
    giSlug: 'zigui-qicheng',
    categorySlug: 'fruit',
    title: '秭归脐橙 新鲜现摘 5kg 礼盒',
    titleEn: 'Zigui navel oranges, freshly picked, 5 kg gift box',
    description: '合作社成员果园现摘现发，果子大小不一、不打蜡。收到后请开箱检查，坏果拍照联系售后。',
    shippingNote: `${EXPRESS}${DISINFECTION}`,
    variants: [
      { spec: '5kg 礼盒', priceFen: 5990, stock: 320, weightGrams: 5500 },
      { spec: '10kg 家庭装', priceFen: 9900, stock: 180, weightGrams: 10800 },
    ],
    stalled: { quantity: 40000, unit: 'kg', sinceDaysAgo: 24, sellBeforeInDays: 18, reason: '疫情期间收购商无法进场，果子挂在树上和堆在库里，再不卖就要烂了。' },
    publishedDaysAgo: 20,
  },
  {
    slug: 'qianjiang-longxia-live-2-5kg',
    cooperativeSlug: 'qianjiang-xiadao',
    giSlug: 'qianjiang-longxia',
    categorySlug: 'aquatic',
    title: '潜江龙虾 鲜活小龙虾 4–6 钱 2.5kg',
    titleEn: 'Qianjiang crayfish, live, medium size, 2.5 kg',
    description: '稻田里养的小龙虾，当天起捕、分拣后发货。活虾运输有一定损耗，收到死虾请拍照联系售后。',
    shippingNote: `${COLD_CHAIN}${DISINFECTION}`,
    variants: [
      { spec: '4–6 钱 2.5kg', priceFen: 13800, stock: 60, weightGrams: 3500 },
      { spec: '6–8 钱 2.5kg', priceFen: 16800, stock: 40, weightGrams: 3500 },
    ],
    stalled: { quantity: 15000, unit: 'kg', sinceDaysAgo: 12, sellBeforeInDays: 5, reason: '物流受阻：活虾出不了省，塘里的虾到了上市规格，不能一直压着。' },
    publishedDaysAgo: 10,
  },
  {
    slug: 'qianjiang-longxia-cooked-spicy',
    cooperativeSlug: 'qianjiang-xiadao',
    giSlug: 'qianjiang-longxia',
    categorySlug: 'aquatic',
    title: '潜江龙虾 熟冻麻辣小龙虾 750g 盒装',
    titleEn: 'Qianjiang crayfish, cooked and frozen, spicy, 750 g',
    description: '用合作社的鲜活小龙虾烧制后速冻，解冻加热即可食用。净含量含汤汁。',
    shippingNote: COLD_CHAIN,
    variants: [
      { spec: '750g 盒装', priceFen: 6900, stock: 200, weightGrams: 1200 },
      { spec: '750g × 3 盒', priceFen: 18900, stock: 80, weightGrams: 3400 },
    ],
    publishedDaysAgo: 9,
  },
  {
    slug: 'enshi-yulu-250g-tin',
    cooperativeSlug: 'enshi-yulu',
    giSlug: 'enshi-yulu',
    categorySlug: 'tea',
    title: '恩施玉露 蒸青绿茶 250g 罐装',
    titleEn: 'Enshi Yulu steamed green tea, 250 g tin',
    description: '合作社茶园采摘，按蒸青工艺制作。请密封、避光、冷藏保存。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '100g 袋装', priceFen: 7800, stock: 150, weightGrams: 200 },
      { spec: '250g 罐装', priceFen: 16800, stock: 90, weightGrams: 450 },
    ],
    publishedDaysAgo: 30,
  },
  {
    slug: 'enshi-malingshu-5kg',
    cooperativeSlug: 'enshi-yulu',
    giSlug: 'enshi-malingshu',
    categorySlug: 'vegetable',
    title: '恩施马铃薯 高山小土豆 5kg',
    titleEn: 'Enshi potatoes, small mountain potatoes, 5 kg',
    description: '山地种植的小个马铃薯，带泥发货更耐放。请存放在阴凉处，发芽的部分不要食用。',
    shippingNote: EXPRESS,
    variants: [{ spec: '5kg 箱装', priceFen: 2990, stock: 400, weightGrams: 5400 }],
    stalled: { quantity: 25000, unit: 'kg', sinceDaysAgo: 20, sellBeforeInDays: 26, reason: '封村封路期间外地收购商进不来，窖里的土豆开春后容易发芽。' },
    publishedDaysAgo: 18,
  },
  {
    slug: 'honghu-lianou-5kg',
    cooperativeSlug: 'honghu-hexiang',
    giSlug: 'honghu-lianou',
    categorySlug: 'vegetable',
    title: '洪湖莲藕 粉藕 带泥 5kg',
    titleEn: 'Honghu lotus root, starchy, unwashed, 5 kg',
    description: '湖田现挖的粉藕，适合煨汤。带泥发货保鲜，收到后洗净即可烹饪。',
    shippingNote: `${EXPRESS}${DISINFECTION}`,
    variants: [
      { spec: '5kg 箱装', priceFen: 4990, stock: 260, weightGrams: 5500 },
      { spec: '10kg 箱装', priceFen: 8990, stock: 120, weightGrams: 10800 },
    ],
    stalled: { quantity: 30000, unit: 'kg', sinceDaysAgo: 30, sellBeforeInDays: 12, reason: '疫情期间收购商无法进场，藕挖出来卖不掉，只能暂时留在田里。' },
    publishedDaysAgo: 25,
  },
  {
    slug: 'honghu-oudai-500g',
    cooperativeSlug: 'honghu-hexiang',
    giSlug: null,
    categorySlug: 'vegetable',
    title: '洪湖 鲜藕带 500g × 2 袋',
    titleEn: 'Fresh lotus shoots from Honghu, 500 g × 2',
    description: '藕带是莲藕的嫩茎，清炒或酸辣都好吃。本商品不使用地理标志标识。',
    shippingNote: COLD_CHAIN,
    variants: [{ spec: '500g × 2 袋', priceFen: 3990, stock: 100, weightGrams: 1300 }],
    publishedDaysAgo: 7,
  },
  {
    slug: 'suizhou-xianggu-dried-500g',
    cooperativeSlug: 'suizhou-xianggu',
    giSlug: 'suizhou-xianggu',
    categorySlug: 'fungi',
    title: '随州香菇 干香菇 500g',
    titleEn: 'Suizhou dried shiitake, 500 g',
    description: '椴木和菌棒种植的香菇，晒干后分拣装袋。泡发后炖、炒皆宜。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '250g 袋装', priceFen: 2990, stock: 300, weightGrams: 300 },
      { spec: '500g 袋装', priceFen: 4900, stock: 220, weightGrams: 580 },
    ],
    stalled: { quantity: 8000, unit: 'kg', sinceDaysAgo: 16, sellBeforeInDays: 30, reason: '物流受阻，外贸订单取消，仓库里的干菇积压。' },
    publishedDaysAgo: 16,
  },
  {
    slug: 'fangxian-heimuer-250g',
    cooperativeSlug: 'fangxian-shanli',
    giSlug: 'fangxian-heimuer',
    categorySlug: 'fungi',
    title: '房县黑木耳 干木耳 250g',
    titleEn: 'Fangxian dried black fungus, 250 g',
    description: '山区种植的黑木耳，自然晾晒。泡发时用凉水，泡发后尽快食用。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '250g 袋装', priceFen: 3990, stock: 240, weightGrams: 300 },
      { spec: '500g 礼盒', priceFen: 7500, stock: 120, weightGrams: 700 },
    ],
    publishedDaysAgo: 22,
  },
  {
    slug: 'fangxian-huagu-500g',
    cooperativeSlug: 'fangxian-shanli',
    giSlug: 'fangxian-xianggu',
    categorySlug: 'fungi',
    title: '房县香菇 干花菇 500g',
    titleEn: 'Fangxian dried flower shiitake, 500 g',
    description: '房县山里的花菇，菌盖有白色花纹，分拣后装袋。',
    shippingNote: EXPRESS,
    variants: [{ spec: '500g 袋装', priceFen: 6900, stock: 150, weightGrams: 580 }],
    publishedDaysAgo: 21,
  },
  {
    slug: 'macheng-fubaiju-taiju-100g',
    cooperativeSlug: 'macheng-fubaiju',
    giSlug: 'macheng-fubaiju',
    categorySlug: 'herbal',
    title: '麻城福白菊 胎菊 100g 罐装',
    titleEn: 'Macheng Fubai chrysanthemum buds, 100 g tin',
    description: '合作社种植、烘干的福白菊胎菊，开水冲泡即可。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '100g 罐装', priceFen: 2990, stock: 300, weightGrams: 250 },
      { spec: '250g 袋装', priceFen: 5900, stock: 160, weightGrams: 320 },
    ],
    publishedDaysAgo: 28,
  },
  {
    slug: 'yidu-yihongcha-200g',
    cooperativeSlug: 'yidu-yihong',
    giSlug: 'yidu-yihongcha',
    categorySlug: 'tea',
    title: '宜都宜红茶 工夫红茶 200g',
    titleEn: 'Yidu Yihong gongfu black tea, 200 g',
    description: '合作社茶园的春茶制成的工夫红茶，密封常温保存。',
    shippingNote: EXPRESS,
    variants: [{ spec: '200g 盒装', priceFen: 9800, stock: 120, weightGrams: 350 }],
    publishedDaysAgo: 26,
  },
  {
    slug: 'yingshan-yunwucha-250g',
    cooperativeSlug: 'yingshan-yunwu',
    giSlug: 'yingshan-yunwucha',
    categorySlug: 'tea',
    title: '英山云雾茶 绿茶 250g',
    titleEn: 'Yingshan Yunwu green tea, 250 g',
    description: '大别山南麓茶园的绿茶，请冷藏保存，开封后尽快喝完。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '125g 袋装', priceFen: 6800, stock: 140, weightGrams: 200 },
      { spec: '250g 罐装', priceFen: 12800, stock: 80, weightGrams: 420 },
    ],
    publishedDaysAgo: 14,
  },
  {
    slug: 'chibi-qingzhuancha-2kg',
    cooperativeSlug: 'chibi-zhuancha',
    giSlug: 'chibi-qingzhuancha',
    categorySlug: 'tea',
    title: '赤壁青砖茶 黑茶砖',
    titleEn: 'Chibi Qingzhuan dark brick tea',
    description: '压制成砖的黑茶，撬取适量煮饮或冲泡，干燥通风处可长期存放。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '900g 砖', priceFen: 8800, stock: 100, weightGrams: 1100 },
      { spec: '2kg 砖', priceFen: 16800, stock: 60, weightGrams: 2300 },
    ],
    publishedDaysAgo: 27,
  },
  {
    slug: 'lichuan-hong-150g',
    cooperativeSlug: 'lichuan-hongcha',
    giSlug: 'lichuan-gongfu-hongcha',
    categorySlug: 'tea',
    title: '利川红 利川工夫红茶 150g 礼盒',
    titleEn: 'Lichuan Hong gongfu black tea, 150 g gift box',
    description: '利川工夫红茶（利川红），合作社茶园采制，密封常温保存。',
    shippingNote: EXPRESS,
    variants: [{ spec: '150g 礼盒', priceFen: 13800, stock: 90, weightGrams: 400 }],
    publishedDaysAgo: 15,
  },
  {
    slug: 'qiai-aitiao-10',
    cooperativeSlug: 'qichun-qiai',
    giSlug: 'qiai',
    categorySlug: 'herbal',
    title: '蕲艾 艾条 10 支装',
    titleEn: 'Qichun mugwort moxa sticks, 10 sticks',
    description: '用合作社种植、晾晒的蕲艾制成的艾条。孕妇及特殊人群使用前请咨询医生。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '10 支装', priceFen: 3900, stock: 300, weightGrams: 350 },
      { spec: '干艾叶 500g', priceFen: 2900, stock: 200, weightGrams: 600 },
    ],
    publishedDaysAgo: 19,
  },
  {
    slug: 'jingshan-qiaomi-5kg',
    cooperativeSlug: 'jingshan-qiaomi',
    giSlug: 'jingshan-qiaomi',
    categorySlug: 'rice-grain',
    title: '京山桥米 当季新米 5kg',
    titleEn: 'Jingshan Qiao rice, this season, 5 kg',
    description: '合作社成员种植的稻谷，按订单碾米、真空包装。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '5kg 袋装', priceFen: 5900, stock: 300, weightGrams: 5200 },
      { spec: '10kg 袋装', priceFen: 10900, stock: 150, weightGrams: 10300 },
    ],
    publishedDaysAgo: 23,
  },
  {
    slug: 'yaowan-miju-5kg',
    cooperativeSlug: 'xiling-ganju',
    giSlug: 'yaowan-miju',
    categorySlug: 'fruit',
    title: '窑湾蜜桔 新鲜 5kg',
    titleEn: 'Yaowan mandarins, fresh, 5 kg',
    description: '合作社果园的蜜桔，现摘现发，果子大小不一。',
    shippingNote: `${EXPRESS}${DISINFECTION}`,
    variants: [{ spec: '5kg 箱装', priceFen: 3990, stock: 200, weightGrams: 5500 }],
    publishedDaysAgo: 17,
  },
  {
    slug: 'yichang-miju-5kg',
    cooperativeSlug: 'xiling-ganju',
    giSlug: 'yichang-miju',
    categorySlug: 'fruit',
    title: '宜昌蜜桔 5kg 家庭装',
    titleEn: 'Yichang mandarins, 5 kg family box',
    description: '宜昌产的蜜桔，冷库储存后分拣发货，请收到后尽快食用。',
    shippingNote: `${EXPRESS}${DISINFECTION}`,
    variants: [
      { spec: '5kg 箱装', priceFen: 3500, stock: 400, weightGrams: 5500 },
      { spec: '2.5kg 箱装', priceFen: 1990, stock: 200, weightGrams: 2800 },
    ],
    stalled: { quantity: 20000, unit: 'kg', sinceDaysAgo: 28, sellBeforeInDays: 9, reason: '冷库里的蜜桔存放期快到了，疫情期间批发市场停业，销路断了。' },
    publishedDaysAgo: 24,
  },
  {
    slug: 'caidian-lianou-5kg',
    cooperativeSlug: 'caidian-lianou',
    giSlug: 'caidian-lianou',
    categorySlug: 'vegetable',
    title: '蔡甸莲藕 粉藕 5kg',
    titleEn: 'Caidian lotus root, starchy, 5 kg',
    description: '现挖的粉藕，带泥发货。煨汤、炖排骨都好。',
    shippingNote: `${EXPRESS}${DISINFECTION}`,
    variants: [{ spec: '5kg 箱装', priceFen: 4500, stock: 220, weightGrams: 5500 }],
    stalled: { quantity: 12000, unit: 'kg', sinceDaysAgo: 22, sellBeforeInDays: 14, reason: '武汉封城期间运输车辆进不来，藕积压在田间。' },
    publishedDaysAgo: 21,
  },
  {
    slug: 'hongshan-caitai-2-5kg',
    cooperativeSlug: 'hongshan-caitai',
    giSlug: 'hongshan-caitai',
    categorySlug: 'vegetable',
    title: '洪山菜薹 紫菜薹 2.5kg',
    titleEn: 'Hongshan purple cai-tai, 2.5 kg',
    description: '当天采摘的紫菜薹，冷链发货。菜薹不耐放，收到后请冷藏并尽快食用。',
    shippingNote: `${COLD_CHAIN}${DISINFECTION}`,
    variants: [{ spec: '2.5kg 箱装', priceFen: 5900, stock: 80, weightGrams: 3200 }],
    stalled: { quantity: 5000, unit: 'kg', sinceDaysAgo: 10, sellBeforeInDays: 3, reason: '菜薹采摘期短，交通管制下菜贩进不了村，地里的菜薹快要抽薹老掉。' },
    publishedDaysAgo: 8,
  },
  {
    slug: 'xiaogan-mijiu-6-bottles',
    cooperativeSlug: 'xiaogan-mijiu',
    giSlug: 'xiaogan-mijiu',
    categorySlug: 'beverage',
    title: '孝感米酒 500g × 6 瓶',
    titleEn: 'Xiaogan rice wine, 500 g × 6 bottles',
    description: '糯米发酵的米酒，开封后冷藏并尽快饮用，可加蛋花煮食。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '500g × 6 瓶', priceFen: 3990, stock: 200, weightGrams: 3600 },
      { spec: '500g × 12 瓶', priceFen: 7500, stock: 100, weightGrams: 7100 },
    ],
    publishedDaysAgo: 13,
  },
  {
    slug: 'ezhou-wuchangyu-chilled',
    cooperativeSlug: 'ezhou-wuchangyu',
    giSlug: 'ezhou-wuchangyu',
    categorySlug: 'aquatic',
    title: '鄂州武昌鱼 冰鲜 2 条装',
    titleEn: 'Ezhou Wuchang bream, chilled, 2 fish',
    description: '当天捕捞、宰杀、去鳞去内脏后冰鲜发货，清蒸最佳。',
    shippingNote: COLD_CHAIN,
    variants: [{ spec: '2 条装 约 1.5kg', priceFen: 8800, stock: 60, weightGrams: 2500 }],
    publishedDaysAgo: 11,
  },
  {
    slug: 'wuchang-dami-5kg',
    cooperativeSlug: 'wuchang-daohua',
    giSlug: 'wuchang-dami',
    categorySlug: 'rice-grain',
    title: '五常大米 稻花香 5kg',
    titleEn: 'Wuchang rice, Daohuaxiang, 5 kg',
    description: '合作社成员种植的稻花香水稻，按订单碾米、真空包装。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '5kg 袋装', priceFen: 7900, stock: 300, weightGrams: 5200 },
      { spec: '10kg 袋装', priceFen: 14900, stock: 150, weightGrams: 10300 },
    ],
    publishedDaysAgo: 29,
  },
  {
    slug: 'yangchenghu-dazhaxie-8',
    cooperativeSlug: 'xiangcheng-hexie',
    giSlug: 'yangchenghu-dazhaxie',
    categorySlug: 'aquatic',
    title: '阳澄湖大闸蟹 鲜活 公 4 两 母 3 两 8 只装',
    titleEn: 'Yangcheng Lake hairy crabs, live, 8 crabs',
    description: '鲜活大闸蟹。大闸蟹只在蟹季供应，蟹季外下单将在开捕后按顺序发货。',
    shippingNote: COLD_CHAIN,
    variants: [
      { spec: '4 对 8 只', priceFen: 39800, stock: 40, weightGrams: 2500 },
      { spec: '5 对 10 只', priceFen: 48800, stock: 20, weightGrams: 3000 },
    ],
    publishedDaysAgo: 12,
  },
  {
    slug: 'gannan-qicheng-5kg',
    cooperativeSlug: 'xinfeng-qicheng',
    giSlug: 'gannan-qicheng',
    categorySlug: 'fruit',
    title: '赣南脐橙 新鲜现摘 5kg',
    titleEn: 'Gannan navel oranges, freshly picked, 5 kg',
    description: '信丰果园的脐橙，现摘现发，果子大小不一、不打蜡。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '5kg 箱装', priceFen: 4990, stock: 360, weightGrams: 5500 },
      { spec: '10kg 箱装', priceFen: 8900, stock: 160, weightGrams: 10800 },
    ],
    stalled: { quantity: 50000, unit: 'kg', sinceDaysAgo: 26, sellBeforeInDays: 21, reason: '疫情期间外地收购商来不了，采摘和分拣用工也不足。' },
    publishedDaysAgo: 22,
  },
  {
    slug: 'kuerle-xiangli-5kg',
    cooperativeSlug: 'kuerle-xiangli',
    giSlug: 'kuerle-xiangli',
    categorySlug: 'fruit',
    title: '库尔勒香梨 5kg 箱装',
    titleEn: 'Korla fragrant pears, 5 kg box',
    description: '冷库储存的香梨，出库分拣后发货，果子大小不一。',
    shippingNote: EXPRESS,
    variants: [{ spec: '5kg 箱装', priceFen: 5900, stock: 250, weightGrams: 5600 }],
    publishedDaysAgo: 20,
  },
  {
    slug: 'anxi-tieguanyin-250g',
    cooperativeSlug: 'anxi-tieguanyin',
    giSlug: 'anxi-tieguanyin',
    categorySlug: 'tea',
    title: '安溪铁观音 清香型 250g',
    titleEn: 'Anxi Tieguanyin oolong, light roast, 250 g',
    description: '合作社茶园的铁观音，小泡袋真空包装，请冷藏保存。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '250g 罐装', priceFen: 12800, stock: 120, weightGrams: 400 },
      { spec: '500g 礼盒', priceFen: 23800, stock: 60, weightGrams: 800 },
    ],
    publishedDaysAgo: 30,
  },
  {
    slug: 'zhongning-gouqi-500g',
    cooperativeSlug: 'zhongning-gouqi',
    giSlug: 'zhongning-gouqi',
    categorySlug: 'herbal',
    title: '中宁枸杞 干果 500g',
    titleEn: 'Zhongning dried goji berries, 500 g',
    description: '合作社晾晒的枸杞干果，泡水、煲汤皆宜，密封防潮保存。',
    shippingNote: EXPRESS,
    variants: [
      { spec: '250g 袋装', priceFen: 3500, stock: 300, weightGrams: 300 },
      { spec: '500g 罐装', priceFen: 5900, stock: 200, weightGrams: 650 },
    ],
    publishedDaysAgo: 25,
  },
];
